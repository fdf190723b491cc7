import pytest

from feedback_platform.activity import Actor
from integrations import services
from integrations.models import WebhookEndpoint

from . import slack_receiver
from .receiver import serve


@pytest.fixture
def receiver():
    httpd, receiver = serve()
    yield receiver
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def endpoint(db, receiver):
    """An active endpoint on the loopback receiver that wants every case event."""
    return services.save_endpoint(
        actor=Actor.system("tests"),
        endpoint=WebhookEndpoint(
            url=receiver.url,
            secret=receiver.secret,
            events=["case.opened", "case.assigned", "case.resolved", "feedback.received", "feedback.classified"],
        ),
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block, then what its commit sets off (the delivery tasks, eager here)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def slack(db):
    """A Slack incoming webhook on loopback that checks every message's Block Kit shape."""
    httpd, receiver = slack_receiver.serve()
    yield receiver
    httpd.shutdown()
    httpd.server_close()
