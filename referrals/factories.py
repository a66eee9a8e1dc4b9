import datetime as dt

import factory
from django.utils import timezone

from accounts.factories import OrganizationFactory, UserFactory
from cases.factories import CaseFactory
from cases.models import LegalBasis, ServiceType
from referrals.models import Referral, ReferralKind, ReferralStatus, ServiceOffer, Urgency


class ServiceOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceOffer
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    service_type = factory.LazyFunction(lambda: ServiceType.objects.get(code="shelter"))
    name = factory.Sequence(lambda n: f"Layanan {n}")
    capacity_total = None
    capacity_free = None
    capacity_updated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def regencies(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.regencies.set(extracted or [obj.organization.region])


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral row as it would be after referral_create (no side effects)."""

    class Meta:
        model = Referral

    number = factory.Sequence(lambda n: f"RJ/T/2026/{n:06d}")
    kind = ReferralKind.SERVICE
    case = factory.SubFactory(CaseFactory)
    from_org = factory.SelfAttribute("case.owner_org")
    to_org = factory.SubFactory(OrganizationFactory)
    from_regency = factory.LazyAttribute(lambda o: o.from_org.region)
    to_regency = factory.LazyAttribute(lambda o: o.to_org.region)
    service_type = factory.LazyAttribute(
        lambda o: ServiceType.objects.get(code="health") if o.kind == ReferralKind.SERVICE else None
    )
    reason = "Membutuhkan layanan lanjutan."
    urgency = Urgency.NORMAL
    shared_summary = "Ringkasan singkat untuk penerima."
    legal_basis = LegalBasis.CONSENT
    status = ReferralStatus.PENDING
    created_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.created_at + dt.timedelta(days=7))
    created_by = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..from_org"))
