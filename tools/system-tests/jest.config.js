import preset from '../../jest.preset.js';

export default { ...preset, displayName: 'system-tests', rootDir: '.', testTimeout: 120000 };
