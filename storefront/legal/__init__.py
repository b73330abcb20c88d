"""The legal pages' content that is computed: figures formatted from the settings, and the live ranking example."""
