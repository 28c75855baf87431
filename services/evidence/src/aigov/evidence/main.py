from aigov.evidence.app import create_app

app = create_app()
