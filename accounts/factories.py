import factory

from accounts.models import Organization, OrganizationKind, Role, User
from regions.models import Region

TEST_PASSWORD = "pass-for-tests-1"  # noqa: S105


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisasi {n}")
    kind = OrganizationKind.REGENCY_OFFICE
    region = factory.LazyFunction(lambda: Region.objects.get(code="64.72"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="id_ID")
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.CASEWORKER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()
