"""Plan review sign-off in the window: Review ▸ Sign off… (``dialog``), the review status in the
status bar and the check of the reviewed files on load (``controller``)."""
