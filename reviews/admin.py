from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from feedback_platform.activity import Actor

from . import taxonomy
from .models import Feedback, Topic


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["pk", "source", "kind", "score", "segment", "language", "received_at"]
    list_filter = ["source", "kind", "segment", "language", "sentiment_label", "tone", "churn_intent", "topics"]
    search_fields = ["comment"]
    raw_id_fields = ["answer", "contact", "survey"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, without its warning


class TopicForm(forms.ModelForm):
    """The topic's name in each staff language as its own field (stored in Topic.names); `name` is the
    default, shown in English and wherever a language has no name of its own."""

    LANGUAGE_FIELDS = {"name_zh_hans": "zh-hans", "name_ja": "ja"}
    name_zh_hans = forms.CharField(label=_("Name in Chinese"), max_length=100, required=False)
    name_ja = forms.CharField(label=_("Name in Japanese"), max_length=100, required=False)

    class Meta:
        model = Topic
        fields = ["slug", "name", "name_zh_hans", "name_ja", "keywords", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, language in self.LANGUAGE_FIELDS.items():
            self.initial.setdefault(field, (self.instance.names or {}).get(language, ""))

    def save(self, commit=True):
        names = {code: self.cleaned_data[field].strip() for field, code in self.LANGUAGE_FIELDS.items()}
        self.instance.names = {code: name for code, name in names.items() if name}
        return super().save(commit)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Admins edit the taxonomy: a name per language, keywords per language as JSON, e.g.
    {"en": ["parcel"], "ja": ["配送"]}."""

    form = TopicForm
    list_display = ["name", "name_zh_hans", "name_ja", "slug", "is_active"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description=_("Name in Chinese"))
    def name_zh_hans(self, topic):
        return topic.names.get("zh-hans", "")

    @admin.display(description=_("Name in Japanese"))
    def name_ja(self, topic):
        return topic.names.get("ja", "")

    def save_model(self, request, obj, form, change):
        taxonomy.save_topic(actor=Actor.from_request(request), topic=obj)

    def delete_model(self, request, obj):
        taxonomy.delete_topic(actor=Actor.from_request(request), topic=obj)

    def delete_queryset(self, request, queryset):
        for topic in queryset:
            taxonomy.delete_topic(actor=Actor.from_request(request), topic=topic)
