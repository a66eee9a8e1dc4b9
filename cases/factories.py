import datetime as dt

import factory
from django.utils import timezone

from accounts.factories import OrganizationFactory
from cases.models import Beneficiary, Case, LegalBasis, PmksCategory, Sex


class BeneficiaryFactory(factory.django.DjangoModelFactory[Beneficiary]):
    class Meta:
        model = Beneficiary

    full_name = factory.Faker("name", locale="id_ID")
    sex = Sex.FEMALE
    birth_date = dt.date(1990, 5, 17)
    legal_basis = LegalBasis.CONSENT
    registered_by_org = factory.SubFactory(OrganizationFactory)
    region = factory.LazyAttribute(lambda o: o.registered_by_org.region)
    regency = factory.LazyAttribute(lambda o: o.registered_by_org.region)
    registered_regency = factory.LazyAttribute(lambda o: o.registered_by_org.region)
    nik_absent_reason = "not_registered"


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"T/{n:06d}")
    owner_org = factory.SubFactory(OrganizationFactory)
    beneficiary = factory.SubFactory(
        BeneficiaryFactory, registered_by_org=factory.SelfAttribute("..owner_org")
    )
    primary_category = factory.LazyFunction(lambda: PmksCategory.objects.get(code="PMKS11"))
    regency = factory.LazyAttribute(lambda o: o.owner_org.region)
    opened_at = factory.LazyFunction(timezone.now)
