"""The engine's own flavour of SpiffWorkflow's Spiff-extension parser.

- Service tasks whose handler is registered as ``background`` do not run inside the step: the
  task is left STARTED with its evaluated parameters, and the engine queues a job for it.
- A message catch event without ``messageVariable`` puts the payload in ``message`` (SpiffWorkflow
  would drop it silently).
"""

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask

from . import handlers

DEFAULT_MESSAGE_VARIABLE = "message"


class EngineServiceTask(ServiceTask):
    def _execute(self, task):
        handler = handlers.get(self.operation_name)
        if handler is None or not handler.background:
            return super()._execute(task)
        if "job" not in task.internal_data:
            params = {name: p["value"] for name, p in self.evaluate_params(task).items()}
            task.internal_data["job"] = {"handler": self.operation_name, "params": params,
                                         "result": self.result_variable}
        return None  # STARTED: the job completes it


class EngineParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, EngineServiceTask),
    }


def default_message_variables(specs) -> None:
    """Give every message catch event a variable for its payload (specs are parsed per deploy/load)."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(definition, MessageEventDefinition) and getattr(definition, "message_var", "x") is None:
                definition.message_var = DEFAULT_MESSAGE_VARIABLE
