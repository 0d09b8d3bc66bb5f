"""The ``dtm`` command: demo, mock-server, dev."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from dtm_platform.settings import MOCK_DEFAULT_PORT, PROJECT_ROOT, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dtm", description="DTM CAR data platform")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run every asset and check against the embedded Kobo server")
    demo.add_argument("--bad-batch", action="store_true",
                      help="inject a broken batch of submissions, to see a gate fail and the report skipped")
    mock = commands.add_parser("mock-server", help="serve the embedded Kobo server until interrupted")
    mock.add_argument("--port", type=int, default=MOCK_DEFAULT_PORT)
    commands.add_parser("dev", help="the embedded Kobo server plus the Dagster UI (dagster dev)")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from dtm_platform.demo import main as demo_main
        return demo_main(bad_batch=args.bad_batch)
    if args.command == "mock-server":
        return _serve_mock(args.port)
    return _dev()


def _serve_mock(port: int) -> int:
    from dtm_platform.kobo.mock.server import MockKoboServer

    settings = load_settings()
    server = MockKoboServer(token=settings.kobo_token, port=port, seed=settings.mock_seed,
                            localities_per_admin2=settings.mock_localities_per_admin2)
    print(f"Embedded Kobo server on {server.url} (token from DTM_KOBO_TOKEN); Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _dev() -> int:
    from dtm_platform.instance import prepare_dagster_home
    from dtm_platform.kobo.mock.server import MockKoboServer

    settings = load_settings()
    prepare_dagster_home(settings)
    with MockKoboServer(token=settings.kobo_token, port=MOCK_DEFAULT_PORT, seed=settings.mock_seed,
                        localities_per_admin2=settings.mock_localities_per_admin2) as server:
        env = {**os.environ, "DTM_KOBO_URL": server.url}
        print(f"Embedded Kobo server on {server.url}; Dagster UI on http://127.0.0.1:3000", flush=True)
        dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
        try:
            return subprocess.call([dagster, "dev", "-w", str(PROJECT_ROOT / "workspace.yaml")],
                                   env=env, cwd=PROJECT_ROOT)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
