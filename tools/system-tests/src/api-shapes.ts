// What the services answer, as the system tests read it (only the fields they look at).

/** `GET /skus/:sku` on inventory. */
export interface Sku {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
}

/** `GET /orders/:id` on orders. */
export interface Order {
  orderId: string;
  customerId: string;
  status: 'pending' | 'confirmed' | 'rejected' | 'cancelled';
  lines: { sku: string; quantity: number }[];
  reason?: string;
}
