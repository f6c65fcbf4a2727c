// `nx run <app>:prune` (nx.json's targetDefaults): writes one app's pruned image contents.
//   node tools/deploy-check/dist/bin/image-prune.js <projectRoot> <outputDirectory>
// run from the workspace root, e.g. `apps/inventory dist/images/inventory`.
import { pruneImage } from '../image-prune.js';

const [projectRoot, outputDirectory] = process.argv.slice(2);
if (!projectRoot || !outputDirectory) {
  console.error('usage: image-prune <projectRoot> <outputDirectory> (from the workspace root)');
  process.exit(2);
}
const started = performance.now();
const image = pruneImage({ workspaceRoot: process.cwd(), projectRoot, outputDirectory });
console.log(
  `${image.app}: ${outputDirectory} (${image.entry}; ${image.workspaceLibraries.length} workspace libraries: ${image.workspaceLibraries.join(', ')}; ` +
    `${image.packages} registry packages, ${image.optionalPackages} of them optional) in ${Math.round(performance.now() - started)} ms`,
);
