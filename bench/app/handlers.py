from engine import handlers


@handlers.register("bench.echo", background=True, description="Returns its parameters: measures job overhead.")
def echo(*, params, data, context):
    return {"echo": params, "key": context.idempotency_key}
