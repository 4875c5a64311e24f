"""Device drivers for congdan kiosks: camera + QR, chip-card reader, receipt printer.

Each device sits behind a small interface with a real driver and a software simulator,
chosen by configuration. Nothing here imports Flask, SQLAlchemy or Kivy.
"""
