"""Delivery pages."""
from flask import Blueprint

from lms.delivery import services

bp = Blueprint("delivery", __name__)
services.connect_signals()
