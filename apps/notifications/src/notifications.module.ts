import { Module } from '@nestjs/common';
import type { OpenApiOptions } from '@stockflow/platform';
import { ContactConfirmationsController } from './contacts/contact-confirmations.controller.js';
import { ContactConfirmationsService } from './contacts/contact-confirmations.service.js';
import { CustomerErasureController } from './erasure/customer-erasure.controller.js';
import { CustomerErasureService } from './erasure/customer-erasure.service.js';
import { InboxController } from './inbox/inbox.controller.js';
import { InboxService } from './inbox/inbox.service.js';
import { LiveInbox } from './inbox/live-inbox.js';
import { NotificationsStore } from './persistence/notifications-store.js';
import { PreferencesController } from './preferences/preferences.controller.js';
import { PreferencesService } from './preferences/preferences.service.js';
import { SubscriptionsController } from './subscriptions/subscriptions.controller.js';
import { SubscriptionsService } from './subscriptions/subscriptions.service.js';
import { UnsubscribeController } from './unsubscribe/unsubscribe.controller.js';
import { PhoneService } from './webhooks/phone.service.js';
import { EmailEventsController } from './webhooks/email-events.controller.js';
import { EmailSuppressionService } from './webhooks/email-suppression.service.js';
import { SmsStatusController } from './webhooks/sms-status.controller.js';
import { SmsStatusService } from './webhooks/sms-status.service.js';
import { SmsWebhookController } from './webhooks/sms-webhook.controller.js';

/** The notifications API: preferences, subscriptions, the web inbox and its stream, unsubscribes. */
@Module({
  controllers: [PreferencesController, ContactConfirmationsController, CustomerErasureController, SubscriptionsController, InboxController, UnsubscribeController, SmsWebhookController, SmsStatusController, EmailEventsController],
  providers: [NotificationsStore, PreferencesService, ContactConfirmationsService, CustomerErasureService, SubscriptionsService, InboxService, LiveInbox, PhoneService, SmsStatusService, EmailSuppressionService],
})
export class NotificationsModule {}

export const notificationsOpenApi: OpenApiOptions = {
  title: 'stockflow notifications',
  version: '1.0.0',
  description:
    'Who wants to hear about stock, and how. Preferences (email, E.164 phone, locale, IANA time zone, channels, quiet hours) and ' +
    'subscriptions are event-sourced (customer-<id>, subscription-<id>, phone-<blind index of the number> on NOTIFICATIONS_EVENTS); the notifier ' +
    'delivers. The web channel is the inbox and its Server-Sent Events stream. POSTs take Idempotency-Key.',
};
