// An email the business unit asks for outside the audit's plan (an audit tool's link sent again, a tool
// reopened): a short workflow of its own, started by the API under the email's outbox key. So it goes
// through the notify activity and the outbox as every other email does — retried while the relay is down,
// sent at most once — and a request sent twice starts it once. No change to the audit's workflow.
import type { Notification } from '../domain/notifications';
import { tell } from './notify';

export interface NoticeInput {
  auditId: string;
  notification: Notification;
}

export async function businessUnitNotice({ auditId, notification }: NoticeInput): Promise<void> {
  await tell(auditId, notification);
}
