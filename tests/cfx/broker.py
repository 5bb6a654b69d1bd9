"""The real RabbitMQ of this machine (AMQP 1.0 plugin) for CFX tests: a queue of one's own,
the listener as a real process, and a broker restart."""

import socket
import subprocess
import time

from django.conf import settings

from tests.support.servers import ManageProcess

RABBITMQCTL = "rabbitmqctl"


def broker_reachable():
    host, port = "127.0.0.1", 5672
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def rabbitmqctl(*args, timeout=180):
    result = subprocess.run(
        [RABBITMQCTL, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"rabbitmqctl {' '.join(args)}: {result.stderr}"
    return result.stdout


def broker_restart():
    """Stop and start the RabbitMQ application (every connection drops; durable queues and
    persistent messages stay), and wait until it listens again."""
    rabbitmqctl("stop_app")
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")
    deadline = time.monotonic() + 60
    while not broker_reachable():
        assert time.monotonic() < deadline, "RabbitMQ did not listen again"
        time.sleep(0.2)


def queue_depth(name):
    """Messages in queue ``name`` (ready and unacknowledged)."""
    for line in rabbitmqctl("list_queues", "name", "messages", "--quiet").splitlines():
        parts = line.split()
        if parts and parts[0] == name:
            return int(parts[1])
    return 0


class ListenerProcess(ManageProcess):
    """``manage.py cfx_listen`` on ``database_url`` receiving from ``address``."""

    def __init__(self, *, database_url, address, log_dir, ack_delay=0.0):
        super().__init__(
            ["cfx_listen", f"--queue={address}", f"--ack-delay={ack_delay}"],
            database_url=database_url,
            log_dir=log_dir,
            name="cfx-listen",
            env={"LOG_LEVEL": "INFO", "CFX_PREFETCH": "20"},
        )
        self.wait_for_output("cfx_listen: receiving from")

    def wait_for_output(self, text, timeout=60, count=1):
        deadline = time.monotonic() + timeout
        while self.output().count(text) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"cfx_listen exited:\n{self.output()[-3000:]}")
            assert time.monotonic() < deadline, f"no {text!r}:\n{self.output()[-3000:]}"
            time.sleep(0.1)

    def alive(self):
        return self.process.poll() is None


def wait_until(condition, *, timeout=120, what="the condition", interval=0.2):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


def broker_settings():
    return {
        "url": settings.CFX_BROKER_URL,
        "user": settings.CFX_BROKER_USER,
        "password": settings.CFX_BROKER_PASSWORD,
    }
