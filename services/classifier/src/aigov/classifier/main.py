from aigov.classifier.app import create_app

app = create_app()
