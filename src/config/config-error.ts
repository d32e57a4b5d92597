/** A setting that cannot be used as given; the message names the variable and what it should be. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
