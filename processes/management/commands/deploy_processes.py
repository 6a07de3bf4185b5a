from django.core.management.base import BaseCommand, CommandError

from engine import services
from engine.exceptions import DeploymentError
from processes import catalog


class Command(BaseCommand):
    help = "Deploy the procedure catalog (processes/bpmn); a process gets a new version only if it changed."

    def handle(self, *args, **options):
        try:
            deployments = services.deploy(catalog.files())
        except DeploymentError as err:
            for problem in err.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(err.problems)} problem(s); nothing was deployed.") from err
        for deployment in deployments:
            definition = deployment.definition
            state = "deployed" if deployment.created else "unchanged"
            self.stdout.write(f"{definition.key} v{definition.version}: {state}")
            for warning in deployment.warnings:  # accepted, but worth a look (docs/ENGINE.md)
                self.stderr.write(f"warning: {warning}")
