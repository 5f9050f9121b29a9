// The workflow bundle's entry point: every workflow type the worker registers.
export { deepDiveAudit } from './audit';
export { urgentEscalation } from './escalation';
export { actionFollowUp } from './follow-up';
export { businessUnitNotice } from './notice';
export { resendEmail } from './resend';
