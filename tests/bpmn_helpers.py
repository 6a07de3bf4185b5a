"""Small BPMN documents for tests, written the way authors draw them."""

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="defs" targetNamespace="https://quytrinh.vn/test">\n'
)


def process(body: str, process_id: str = "p", lanes: str = "") -> str:
    return (f'{HEADER}<bpmn:process id="{process_id}" isExecutable="true">\n{lanes}{body}\n'
            f'</bpmn:process>\n</bpmn:definitions>\n')


def lane(lane_id: str, *nodes: str) -> str:
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    return f'<bpmn:lane id="{lane_id}" name="{lane_id}">{refs}</bpmn:lane>'


def lanes(*lane_xml: str, set_id: str = "lanes") -> str:
    return f'<bpmn:laneSet id="{set_id}">{"".join(lane_xml)}</bpmn:laneSet>\n'


def script_process(script: str, process_id: str = "p") -> str:
    """start -> script task -> user task -> end."""
    return process(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run"/>
    <bpmn:scriptTask id="run"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="check"/>
    <bpmn:userTask id="check" name="Check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", process_id, lanes(lane("staff", "check")))


def rework_loop(process_id: str = "rework_loop") -> str:
    """A review repeated while ``i < n``, drawn as a gateway back-edge."""
    return process("""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="Review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="again"/>
    <bpmn:exclusiveGateway id="again" default="f_end"/>
    <bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="review">
      <bpmn:conditionExpression>i &lt; n</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_end" sourceRef="again" targetRef="end"/>
    <bpmn:endEvent id="end"/>""", process_id, lanes(lane("staff", "review")))
