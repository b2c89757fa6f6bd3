"""The supervisors' console (issue 17): its own AdminSite at /aufsicht/ (R-I4, R-J1-J7)."""
