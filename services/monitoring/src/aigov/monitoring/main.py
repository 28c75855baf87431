from aigov.monitoring.app import create_app

app = create_app()
