"""Writes on beneficiaries and cases, one module per concern. Views, API views and
tasks call these; they never save case rows themselves. Import from the module
that holds the function (no re-exports here):

- registration: beneficiaries (NIK, duplicates), BENEFICIARY_FIELDS;
- opening: open, edit and assign cases;
- workflow: the transition table (TRANSITIONS, Move) and case_transition, reopen;
- closure: request, approve, reject a closure;
- delivery: assessment and services delivered (service_delivery_create for referrals);
- timeline: events and notes (case_add_event for referrals);
- transfer: case_transfer_ownership (for referrals);
- attachments: attachment_add;
- common: the writer check, row locks and the version claim they all share.
"""
