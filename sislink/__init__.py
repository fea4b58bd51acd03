"""sislink: a student-records interchange hub for a district and its charter schools."""
