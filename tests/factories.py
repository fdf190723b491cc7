import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from feedback_platform.models import Profile
from surveys.models import Contact, Survey, SurveyKind, SurveyStatus


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"Survey {n}")
    kind = SurveyKind.NPS
    status = SurveyStatus.ACTIVE


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = factory.Sequence(lambda n: f"Customer {n}")
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    language = "en"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def display_name(self, create, extracted, **kwargs):
        """Staff sign customer emails with their display name: every persona has one unless a test says ""."""
        if create and extracted != "":
            Profile.objects.update_or_create(user=self, defaults={"display_name": extracted or f"Anna {self.username}"})
