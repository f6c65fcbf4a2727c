import preset from '../../jest.preset.js';
import { alsoOnEventStoreDb } from '../../jest.eventstoredb.js';

export default alsoOnEventStoreDb({ ...preset, displayName: 'orders', rootDir: '.' }, [
  'src/place-order/place-order.spec.ts',
  'src/place-order/idempotency-result-lost.spec.ts',
  'src/place-from-cart/*.spec.ts',
  'src/cancel-order/*.spec.ts',
  'src/get-order/*.spec.ts',
  'src/order-saga/order-saga.spec.ts',
  'src/order-saga/order-saga-timeout.spec.ts',
  'src/order-saga/order-saga.sweeper.spec.ts',
  'src/event-consumers.spec.ts',
]);
