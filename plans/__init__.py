"""Case plans (rencana kasus): needs from the assessment → goals → actions,
versioned, drafted by the case's office and approved by its supervisor."""
