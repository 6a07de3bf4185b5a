"""Task rows are serialized by hand for speed; their keys must stay those the schema declares."""

import uuid

from django.utils import timezone

from api.serializers import CompletedSerializer, TaskDetailSerializer, TaskSerializer
from engine.models import ProcessDefinition, ProcessInstance, Task


def a_task(**fields) -> Task:
    instance = ProcessInstance(id=uuid.uuid4(), business_key="VB-1",
                               definition=ProcessDefinition(key="incoming_document", version=1))
    return Task(id=uuid.uuid4(), instance=instance, bpmn_id="present", name="Trình", lane="Văn thư",
                candidate_group="van_thu", form_key="incoming_present", priority=2, status="open",
                created_at=timezone.now(), **fields)


def test_hand_built_rows_have_exactly_the_declared_fields():
    task = a_task(due_at=timezone.now() - timezone.timedelta(hours=1))
    task.next_tasks = [a_task()]
    for serializer in (TaskSerializer(task), CompletedSerializer(task), TaskDetailSerializer(task, context={})):
        assert list(serializer.data) == list(serializer.fields), type(serializer).__name__
    row = TaskSerializer(task).data
    assert row["overdue"] is True and row["assignee"] is None and row["completed_at"] is None
    assert row["due_at"] == TaskSerializer().fields["due_at"].to_representation(task.due_at)
    assert list(CompletedSerializer(task).data["next_tasks"][0]) == list(TaskSerializer().fields)
