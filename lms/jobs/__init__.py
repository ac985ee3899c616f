"""Background and periodic jobs on a Huey queue, and the record of each job a person started."""
