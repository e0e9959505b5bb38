"""The hello workload's apps for a real server: ``gunicorn wsgi_apps:app``.

Which contender, and how large a body, come from the environment:
``BENCH_CONTENDER`` (ours, falcon, bottle, flask, wsgi) and
``BENCH_BODY_BYTES`` (default 10240). ``bench/server.py`` sets both.
"""

import os

import hello

hello.BODY = (hello.BODY * 100)[: int(os.environ.get("BENCH_BODY_BYTES", "10240"))]

app = hello.CONTENDERS[os.environ.get("BENCH_CONTENDER", "ours")][0]()
