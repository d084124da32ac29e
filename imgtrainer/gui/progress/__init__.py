"""Progress screen: per-finding mastery and the trainee's history."""
