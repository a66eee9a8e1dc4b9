"""Writes on referrals, their messages, notifications and the service directory,
one module per concern. Import from the module that holds the function (no
re-exports here):

- transitions: the transition table (TRANSITIONS), allowed_actions, the shared
  decision core (_check_may, _move, _refusal);
- decisions: accept, decline, cancel, complete;
- creation: referral_create (transfer or service request);
- capacity: the service directory's free places (offer_update_capacity);
- sla: due_at_for and the overdue sweep (mark_overdue_referrals);
- conversation: referral_message_post (the thread);
- notify: in-app notifications, e-mail after commit, emails_suppressed,
  notifications_mark_read.
"""
