/** Written by `llm-router worker-config` (wrangler's [build] command): the config texts validated at build time. */
export declare const bundledConfig: {
  /** Name of the main file, for error messages. */
  readonly mainFile: string;
  readonly main: string;
  /** Backend files of the enabled sources: `configs/<name>` -> YAML text. */
  readonly backends: Readonly<Record<string, string>>;
};
