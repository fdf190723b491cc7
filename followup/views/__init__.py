"""The agent's dashboard (queue and case page) and the admins' settings pages."""
