import preset from '../../jest.preset.js';

export default { ...preset, displayName: 'dev-runner', rootDir: '.' };
