namespace BrokenPipe.Lab.Scenarios;

/// <summary>
/// A proxy scenario's two variants on another proxy than the one its own variants run (<see cref="Scenario.Proxy"/>):
/// the same story told with that proxy's settings, its lines and what it does on the wire.
/// </summary>
public sealed record ProxyVariants(ScenarioVariant Broken, ScenarioVariant Fixed)
{
    public ScenarioVariant this[Variant variant] => variant == Variant.Broken ? Broken : Fixed;
}
