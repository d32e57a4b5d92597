/** Why a build is needed in the checkout at `root` (default: this one), or null when its dist/ is newer than every input. */
export function staleReason(root?: string): string | null;
