"""Delivery: classes, nominations, annual training plans, field trips, submissions and grading."""
