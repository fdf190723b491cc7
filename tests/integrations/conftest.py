import pytest

from feedback_platform.activity import Actor
from integrations import services
from integrations.models import WebhookEndpoint

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
