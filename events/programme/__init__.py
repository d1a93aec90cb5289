"""The programme, its events and their session grid."""
