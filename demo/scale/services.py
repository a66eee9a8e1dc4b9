"""Services delivered on a case, by the office itself or by a referral's receiver."""

from __future__ import annotations

from cases.models import ServiceDelivery
from demo.scale import distributions as d
from demo.scale.base import GeneratorBase
from demo.scale.organizations import Office
from demo.scale.rows import ServiceRow


def service(
    g: GeneratorBase,
    case_id: int,
    office: Office,
    worker: int | None,
    needs: list[str],
    opened: int,
    end: int,
    closed: bool,
    provider: tuple[int, str] | None,
    *,
    start: int | None = None,
    done: bool | None = None,
) -> int:
    """One service delivery row; returns its id. `provider` is (org id, service
    type code) for a referral's receiver, None for the office itself."""
    rng = g.rng
    need = rng.choice(needs) if needs else "food"
    type_code = provider[1] if provider else d.SERVICE_FOR_NEED[need]
    begin = start if start is not None else opened + int((end - opened) * 0.3 * rng.random())
    finished = closed if done is None else done
    if finished:
        status = "done" if rng.random() < 0.9 else "cancelled"
    else:
        status = "ongoing" if rng.random() < 0.7 else "planned"
    stop = min(end, begin + int((7 + 120 * rng.random()) * d.DAY)) if status == "done" else None
    service_id = g.new_id(ServiceDelivery)
    g.emit(
        ServiceDelivery,
        ServiceRow(
            id=service_id,
            case_id=case_id,
            service_type_id=g.ctx.service_types[type_code],
            provider_org_id=provider[0] if provider else office.org_id,
            provider_name="",
            status=status,
            start_date=g.date(begin) if status != "planned" else None,
            end_date=g.date(stop) if stop else None,
            outcome=rng.choice(d.OUTCOME_TEXTS) if status == "done" else "",
            created_by_id=worker,
            created_at=g.at(begin),
            updated_at=g.at(stop or begin),
            version=1,
        ),
    )
    return service_id
