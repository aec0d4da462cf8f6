#!/usr/bin/env node
// Runs the TypeScript sources directly (Node ≥ 22.18 strips types); see README for the Node version.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`peyvand needs Node.js 22.18 or newer (this is ${process.versions.node}). Run it through npm (npm run peyvand -- …), which uses the Node from node_modules.\n`);
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
