/** `llm-router deploy --help`: one text for the three subcommands, so docs/cli.md has one flag table. */
export const DEPLOY_USAGE = `Usage: llm-router deploy up     --hosts H1,H2 --model-name MODEL [flags]
       llm-router deploy status [flags]
       llm-router deploy down   [flags]

Start vLLM or SGLang engines on GPU nodes over ssh, wait until they serve, write them into the router's
backend file (a running router hot-reloads it), and stop them again. Needs the system ssh client with
key-based login to each node; nothing is assumed shared between the nodes. Walk-through: docs/deploy.md.

Flags of up:
  --hosts LIST              nodes: h1,h2 or a Slurm list such as gpu[01-04,07]
  --hosts-file PATH         nodes, one per line (MPI hostfile / $PBS_NODEFILE style)
  --hosts-env NAME          nodes from an environment variable (default: SLURM_JOB_NODELIST when set)
  --backend E               vllm | sglang (default vllm)
  --model-name M            model id or path on the nodes (required)
  --served-model-name N     name clients send as "model" (default: --model-name)
  --tensor-parallel-size N  GPUs per instance (default 1)
  --gpus-per-node N         GPUs per node; instances per node = N / tensor-parallel-size (default 8)
  --port P                  first port; free ports are found on each node (default 8000)
  --bind-host ADDR          address the engines listen on (default 0.0.0.0)
  --max-num-seqs N          engine concurrency (vLLM --max-num-seqs, SGLang --max-running-requests)
  --engine-bin PATH         engine executable (default vllm; for sglang a launch_server-compatible one)
  --python PATH             run the engine as PATH -m ... (default python3 for sglang)
  --env K=V                 environment for the engines; repeatable
  --extra-args "..."        more engine flags, split like a shell would (no expansion); repeatable
  --log-dir DIR             engine logs and pid files on each node, relative to the remote home
                            (default llm-router-logs)
  --ready-timeout S         seconds to wait for every instance to serve (default 1800)

Flags of down:
  --grace S                 seconds between SIGTERM and SIGKILL (default 30)
  --keep-config             leave the backend file as it is

Flags of every subcommand:
  --config-file PATH        backend file to write (default configs/self_deployed_config.yaml;
                            status/down: the one up wrote to)
  --manifest PATH           what runs where (default deploy-manifest.json beside the config file)
  --ssh-user USER           remote user (default: ssh's, e.g. from ~/.ssh/config)
  --ssh-port P              ssh port (default: ssh's)
  --identity PATH           private key file (ssh -i)
  --ssh-option K=V          extra ssh -o option; repeatable (e.g. UserKnownHostsFile=PATH)
  --connect-timeout S       ssh connect timeout in seconds (default 10)
  --dry-run                 print every ssh command exactly as it would run; connect to nothing
  --help                    show this help

status and down read the ssh settings recorded by up; flags given to them win.
Exit codes: 0 all good, 1 something failed or is not ready (the summary says what), 2 bad command line.
`;
