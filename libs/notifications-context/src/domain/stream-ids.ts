// The streams of the notifications context (ADR 0007): every writer names them through these.

/** A customer's preferences, email unsubscribes and inbox read marks. */
export function customerStreamId(customerId: string): string {
  return `customer-${customerId}`;
}

/** One subscription: created, cancelled by the customer, or fulfilled by a restock wave. */
export function subscriptionStreamId(subscriptionId: string): string {
  return `subscription-${subscriptionId}`;
}

/** A phone number's SMS opt-out state, named by the number's blind index (ADR 0029): the opt-out belongs to the number. */
export function phoneStreamId(phoneIndex: string): string {
  return `phone-${phoneIndex}`;
}
