import preset from '../../jest.preset.js';
import { alsoOnEventStoreDb } from '../../jest.eventstoredb.js';

export default alsoOnEventStoreDb({ ...preset, displayName: 'carts', rootDir: '.' }, [
  'src/create-cart/*.spec.ts',
  'src/set-line/*.spec.ts',
  'src/remove-line/*.spec.ts',
  'src/check-out/*.spec.ts',
  'src/get-cart/*.spec.ts',
]);
