"""{% label_controls feedback %}: the one-click label corrections (reviews.correction_views) of one feedback."""

from django import template

from reviews.correction_views import active_topics, labels_context

register = template.Library()


@register.inclusion_tag("reviews/fragment_labels.html", takes_context=True)
def label_controls(context, feedback):
    """The active topics are read once per page (the explorer shows fifty feedback)."""
    if "_label_topics" not in context.render_context:
        context.render_context["_label_topics"] = active_topics()
    request = context.get("request")
    next_url = request.get_full_path() if request else ""
    return {
        **labels_context(feedback, next_url=next_url, topics=context.render_context["_label_topics"]),
        "csrf_token": context.get("csrf_token"),
    }
