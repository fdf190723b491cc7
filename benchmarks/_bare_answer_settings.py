"""The product's settings with one URL: the bare limit the answer page is measured against."""

from feedback_platform.settings import *  # noqa: F403

ROOT_URLCONF = "_bare_answer_urls"
