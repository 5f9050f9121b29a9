-- An action open when its audit was cancelled: its follow-up ended with the audit.
ALTER TYPE "ActionStatus" ADD VALUE 'cancelled';
