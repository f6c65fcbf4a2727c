import preset from '../../jest.preset.js';
import { alsoOnEventStoreDb } from '../../jest.eventstoredb.js';

export default alsoOnEventStoreDb({ ...preset, displayName: 'inventory', rootDir: '.' }, [
  'src/reservations/*.spec.ts',
  'src/receive-stock/*.spec.ts',
  'src/register-sku/*.spec.ts',
  'src/adjust-stock/*.spec.ts',
  'src/get-sku/*.spec.ts',
  'src/event-consumers.spec.ts',
]);
