/** The platform's own version (package.json), which packs name in `requires.platform`. */
import packageJson from '../../../package.json' with { type: 'json' };

export const PLATFORM_VERSION: string = packageJson.version;
