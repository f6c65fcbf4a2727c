// The subscription aggregate (stream `subscription-<id>`): created by the customer, cancelled by the
// customer, fulfilled by the notifier's restock wave. Pure decisions on the current state.
import type { notificationSubscription } from '@stockflow/contracts';
import { DomainError, type Decider } from '@stockflow/event-sourcing';
import type { ChannelName } from './contact.js';

export type SubscriptionEvent = notificationSubscription.SubscriptionEvent;
export type SubscriptionKind = 'back-in-stock' | 'availability';
export const SUBSCRIPTION_KINDS: readonly SubscriptionKind[] = ['back-in-stock', 'availability'];
export type SubscriptionStatus = 'active' | 'cancelled' | 'fulfilled';

export interface SubscriptionState {
  readonly id: string;
  readonly customerId: string;
  readonly sku: string;
  readonly kind: SubscriptionKind;
  readonly status: SubscriptionStatus;
}

export const SubscriptionErrors = {
  notFound: 'subscription-not-found',
  alreadySubscribed: 'already-subscribed',
  fulfilled: 'subscription-fulfilled',
  notActive: 'subscription-not-active',
} as const;

/**
 * A new subscription. `activeTwin` is the customer's active subscription of the same kind to the same
 * SKU, if any: a customer waits in a queue once.
 */
export function decideSubscribe(
  command: { readonly id: string; readonly customerId: string; readonly sku: string; readonly kind: SubscriptionKind },
  activeTwin: { readonly id: string } | null,
): SubscriptionEvent[] {
  if (activeTwin) {
    throw new DomainError('conflict', `customer ${command.customerId} already has an active ${command.kind} subscription to ${command.sku} (${activeTwin.id})`, SubscriptionErrors.alreadySubscribed);
  }
  return [{ type: 'SubscriptionCreated', data: { subscriptionId: command.id, customerId: command.customerId, sku: command.sku, kind: command.kind } }];
}

/** Cancelling: once; a cancelled one stays cancelled (nothing recorded); a fulfilled one has ended already. */
export function decideCancel(state: SubscriptionState | null, id: string, reason: 'customer' | 'unsubscribe-link'): SubscriptionEvent[] {
  if (!state) throw new DomainError('not-found', `no subscription ${id}`, SubscriptionErrors.notFound);
  if (state.status === 'cancelled') return [];
  if (state.status === 'fulfilled') {
    throw new DomainError('conflict', `subscription ${id} was fulfilled (the customer has been told) and has ended`, SubscriptionErrors.fulfilled);
  }
  return [{ type: 'SubscriptionCancelled', data: { subscriptionId: state.id, customerId: state.customerId, sku: state.sku, reason } }];
}

export function evolveSubscription(state: SubscriptionState | null, event: SubscriptionEvent): SubscriptionState | null {
  switch (event.type) {
    case 'SubscriptionCreated':
      return { id: event.data.subscriptionId, customerId: event.data.customerId, sku: event.data.sku, kind: event.data.kind, status: 'active' };
    case 'SubscriptionCancelled':
      return state && { ...state, status: 'cancelled' };
    case 'SubscriptionFulfilled':
      return state && { ...state, status: 'fulfilled' };
  }
}

/** A restock wave picked this subscription: its notifications are planned on `channels` (none: unreachable). */
export interface FulfilSubscription {
  readonly type: 'FulfilSubscription';
  readonly subscriptionId: string;
  readonly restockEventId: string;
  readonly channels: readonly ChannelName[];
}

/**
 * Fulfilling: only an active back-in-stock subscription is picked by a wave, once. The planner
 * picks from active rows it has locked, so a refusal here means the row and the log disagree.
 */
export function decideFulfil(state: SubscriptionState | null, command: FulfilSubscription): SubscriptionEvent[] {
  if (!state) throw new DomainError('not-found', `no subscription ${command.subscriptionId}`, SubscriptionErrors.notFound);
  if (state.status !== 'active' || state.kind !== 'back-in-stock') {
    throw new DomainError('conflict', `subscription ${state.id} is ${state.status} ${state.kind}: a restock wave cannot fulfil it`, SubscriptionErrors.notActive);
  }
  return [
    {
      type: 'SubscriptionFulfilled',
      data: { subscriptionId: state.id, customerId: state.customerId, sku: state.sku, restockEventId: command.restockEventId, channels: [...command.channels] },
    },
  ];
}

/** The commands the notifier runs through the CommandHandler (the API decides its own in its transactions). */
export type SubscriptionCommand = FulfilSubscription;

export const subscriptionDecider: Decider<SubscriptionCommand, SubscriptionEvent, SubscriptionState | null> = {
  decide: (command, state) => decideFulfil(state, command),
  evolve: evolveSubscription,
  initialState: () => null,
};
