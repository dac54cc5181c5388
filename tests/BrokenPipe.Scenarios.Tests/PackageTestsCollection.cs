namespace BrokenPipe.Scenarios.Tests;

/// <summary>The package test builds and runs a whole project: it runs alone, so its compilers do not slow the scenarios' timed waits.</summary>
[CollectionDefinition(nameof(PackageTests), DisableParallelization = true)]
public sealed class PackageTestsCollection;
